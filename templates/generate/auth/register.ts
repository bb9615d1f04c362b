import { AuthError, DatabaseError, hashPassword, z, type Response, type RouteRequest } from "tina4";
import User from "{{userImport}}";
import { authLimit, authSession } from "{{guardImport}}";

export const secured = false;
export const middleware = [authLimit, authSession];
export const meta = { summary: "Create an account", tags: ["auth"] };

/**
 * An address as people have them, internationalised too (RFC 6531: zoë@example.com,
 * 用户@例子.广告, punycode xn--…): a local part of up to 64 characters without spaces,
 * quotes or dots at its ends; a domain of letter/digit labels ending in a name of 2+ letters.
 * Quoted local parts ("a b"@x.com) and IP-literal domains are refused: no real sign-up uses them.
 */
const EMAIL = /^(?!\.)(?!.*\.\.)[^\s@"(),:;<>[\\\]\p{Cc}]{1,64}(?<!\.)@(?=[^@]{1,253}$)(?:[\p{L}\p{N}\p{M}](?:[\p{L}\p{N}\p{M}-]{0,61}[\p{L}\p{N}\p{M}])?\.)+(?:[\p{L}\p{M}]{2,63}|xn--[a-z0-9-]{1,59})$/u;

export const schema = {
  body: z.object({
    // NFC: "zoë" typed as e + combining diaeresis is the same account as "zoë" (login.ts does the same)
    email: z.string().trim().normalize("NFC").toLowerCase().pipe(z.email({ pattern: EMAIL, error: "Invalid email address" })).pipe(z.string().max(255)),
    // weak input is a 422: too short, or letters only / digits only
    password: z.string().min(8, "must be at least 8 characters").max(1024)
      .refine((p) => /[^A-Za-z]/.test(p) && /[^0-9]/.test(p), "must mix letters with digits or symbols"),
    name: z.string().trim().min(1).max(255).optional(),
  }),
};

/** POST /auth/register {email, password, name?} → 201 {user}; 409 when the email is taken; 422 on weak or invalid input. */
export default async function (req: RouteRequest<typeof schema>, res: Response) {
  const { email, password, name } = req.body;
  if ((await User.where("email = ?", [email])).length > 0) return res.json({ error: "Email already registered" }, 409);
  try {
    const user = await User.create({ email, name: name ?? null, passwordHash: await hashPassword(password), createdAt: new Date() });
    return res.json({ user }, 201);
  } catch (error) {
    // two registrations racing for one email: the UNIQUE constraint decides
    if (error instanceof DatabaseError && error.code === "T4_ERR_DB_CONSTRAINT") return res.json({ error: "Email already registered" }, 409);
    if (error instanceof AuthError) return res.json({ error: error.message }, 422);
    throw error;
  }
}
