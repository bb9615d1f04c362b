import type { Request, Response } from "tina4";
import Product from "../../../models/Product";
import { productForm } from "../../../middleware/productForms";

export const meta = { summary: "Delete a Product from the products page's Delete button", tags: ["Product"] };
// Open to visitors so the example works before the app has a login; `productForm` checks the
// form's CSRF token. Once users sign in (tina4 generate auth), delete this line: then only they can.
export const secured = false;
export const middleware = productForm;

/**
 * DELETE /products/{id}: a browser form can only POST, so the page's Delete button is a
 * `<form method="post">` with `{{ method_field('DELETE') }}` (a `_method=DELETE` field), which
 * tina4 routes here. Then back to the page with a notice.
 */
export default async function (req: Request<{ id: number }>, res: Response) {
  const product = await Product.find(req.params.id);
  if (product) await product.delete();
  req.session?.flash("notice", product ? `Deleted ${product.name}` : `Product ${req.params.id} was already gone`);
  return res.redirect("/products", 303);
}
