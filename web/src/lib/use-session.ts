import { useEffect, useState } from "preact/hooks";
import { getSession, type Area, type Session } from "./session.js";

export function useSession(area: Area): Session | null {
  const [session, setState] = useState(() => getSession(area));
  useEffect(() => {
    const update = () => setState(getSession(area));
    window.addEventListener("session-changed", update);
    window.addEventListener("storage", update);
    return () => {
      window.removeEventListener("session-changed", update);
      window.removeEventListener("storage", update);
    };
  }, [area]);
  return session;
}
