import type { Request, Response } from "tina4";
import Product from "../../models/Product";
import { pageSession } from "../../middleware/productForms";

export const meta = { summary: "The products page: the list, a Delete button each, and a form to add one", tags: ["Product"] };
export const middleware = [pageSession];

/** GET /products: an HTML page over the example's Product model (the JSON API is /api/products). */
export default async function (_req: Request, res: Response) {
  const products = await Product.all({ limit: 100, orderBy: "id" });
  return res.render("products.twig", { products });
}
