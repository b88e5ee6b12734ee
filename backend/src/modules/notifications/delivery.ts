/**
 * The push boundary. There is no push provider here (APNs, FCM, Web Push would each be an
 * adapter); the notification job only knows this interface. `RecordingPushDelivery`
 * accepts every push for a registered device token as delivered and remembers it, so the
 * log and the tests see exactly what would have gone out.
 */
export interface PushTarget {
  deviceTokenId: string;
  userId: string;
  platform: "ios" | "android" | "web";
  token: string;
}

export interface PushMessage {
  title: string;
  body: string;
  data: Record<string, unknown>;
}

export type PushResult = { delivered: true } | { delivered: false; error: string };

export interface PushDelivery {
  send(target: PushTarget, message: PushMessage): Promise<PushResult>;
}

export class RecordingPushDelivery implements PushDelivery {
  readonly sent: Array<{ target: PushTarget; message: PushMessage; at: Date }> = [];

  /** `keep`: how many recent pushes to remember (the notification log is the durable record). */
  constructor(private readonly keep = 10_000) {}

  async send(target: PushTarget, message: PushMessage): Promise<PushResult> {
    if (!target.token) return { delivered: false, error: "no device token" };
    this.sent.push({ target, message, at: new Date() });
    if (this.sent.length > this.keep) this.sent.splice(0, this.sent.length - this.keep);
    return { delivered: true };
  }
}
