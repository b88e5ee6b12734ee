import { api } from "./api.js";
import { setSession, type Area } from "./session.js";

export async function signInWithPassword(area: Area, email: string, password: string): Promise<void> {
  const tokens = await api<{ accessToken: string; refreshToken: string; userId: string }>("/auth/password/sign-in", { body: { email, password } });
  setSession(area, { ...tokens, method: "password", label: email });
}
