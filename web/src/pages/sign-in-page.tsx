import { SignIn, SignedInBar } from "../lib/sign-in.js";
import { navigate } from "../lib/router.js";
import { useSession } from "../lib/use-session.js";

export default function SignInPage() {
  const session = useSession("fan");
  const back = new URLSearchParams(location.search).get("next") ?? "/tickets";
  return session ? <SignedInBar area="fan" /> : <SignIn area="fan" methods={["wallet", "email"]} onDone={() => navigate(back.startsWith("/") ? back : "/")} />;
}
