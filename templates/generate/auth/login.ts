import { hashPassword, needsRehash, signToken, verifyPassword, z, type Response, type RouteRequest } from "tina4";
import User from "{{userImport}}";
import { authSession, loginLimit } from "{{guardImport}}";

export const secured = false;
// failed attempts per email + IP (a success clears them) and a looser per-IP ceiling: guard.ts
export const middleware = [loginLimit, authSession];
export const meta = { summary: "Log in: a token and a session", tags: ["auth"] };

export const schema = {
  body: z.object({ email: z.string().trim().normalize("NFC").toLowerCase().max(255), password: z.string().max(1024) }),
};

/** Hashed once, so an unknown email costs as much time as a wrong password. */
let decoy: Promise<string> | undefined;

/**
 * POST /auth/login {email, password} → 200 {token, user} and a session cookie; 401 with the
 * same message whichever field was wrong; 429 with Retry-After after too many failures.
 */
export default async function (req: RouteRequest<typeof schema>, res: Response) {
  const { email, password } = req.body;
  const [user] = await User.where("email = ?", [email]);
  const hash = user?.passwordHash ?? (await (decoy ??= hashPassword("decoy password, never valid")));
  const valid = (await verifyPassword(password, hash)) && user !== undefined;
  if (!valid) return res.json({ error: "Invalid email or password" }, 401);
  if (needsRehash(user.passwordHash)) {
    user.passwordHash = await hashPassword(password);
    await user.save();
  }
  // a new session id at login: an id planted before it (session fixation) stays anonymous
  await req.session!.regenerate();
  req.session!.set("user", user.claims());
  const token = await signToken(user.claims());
  return res.json({ token, user });
}
