export type DeviceTokenRow = {
  id: string;
  user_id: string;
  platform: "ios" | "android" | "web";
  token: string;
  last_registered_at: Date;
  revoked_at: Date | null;
  created_at: Date;
  updated_at: Date;
};

export type NotificationLogRow = {
  id: string;
  user_id: string;
  device_token_id: string | null;
  schedule_version_id: string | null;
  kind: string;
  channel: "ios" | "android" | "web" | "none";
  title: string;
  body: string;
  data: Record<string, unknown>;
  status: "delivered" | "failed" | "no_device";
  error: string | null;
  created_at: Date;
  delivered_at: Date | null;
};

/** Only the end of a token is ever shown back. */
export function deviceTokenDto(r: DeviceTokenRow) {
  return { id: r.id, platform: r.platform, tokenPreview: `…${r.token.slice(-6)}`, lastRegisteredAt: r.last_registered_at.toISOString(), createdAt: r.created_at.toISOString() };
}

export function notificationDto(r: NotificationLogRow) {
  return {
    id: r.id,
    kind: r.kind,
    channel: r.channel,
    title: r.title,
    body: r.body,
    data: r.data,
    status: r.status,
    error: r.error,
    createdAt: r.created_at.toISOString(),
    deliveredAt: r.delivered_at?.toISOString() ?? null,
  };
}
