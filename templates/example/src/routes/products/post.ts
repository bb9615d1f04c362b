import { ValidationError, type Request, type Response } from "tina4";
import Product from "../../models/Product";
import { productForm } from "../../middleware/productForms";

export const meta = { summary: "Add a Product from the products page's form", tags: ["Product"] };
// Open to visitors so the example works before the app has a login; `productForm` checks the
// form's CSRF token. Once users sign in (tina4 generate auth), delete this line: then only they can.
export const secured = false;
export const middleware = productForm;

/** POST /products (the page's form): adds the product, then back to the page with a notice. */
export default async function (req: Request, res: Response) {
  const form = req.body as Record<string, unknown>;
  try {
    // the model turns the form's text into its types ("12.50" → 12.5, "" → null, "on" → true)
    const product = await Product.create({ name: form.name, price: form.price, inStock: form.inStock ?? false });
    req.session?.flash("notice", `Added ${product.name}`);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    req.session?.flash("error", error.errors.map((e) => `${e.field}: ${e.message}`).join("; "));
  }
  // 303: the browser follows with a GET, so reloading the page does not send the form again
  return res.redirect("/products", 303);
}
