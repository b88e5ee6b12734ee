/**
 * The event types an endpoint can subscribe to. On-chain ones come from the indexer's
 * outbox (finalized facts, topic -> type below); the others are published by the module
 * where they happen, in its own transaction (schedule publishing).
 */
export const WEBHOOK_EVENT_TYPES = [
  "ticket.purchased",
  "ticket.comped",
  "ticket.transferred",
  "ticket.checked_in",
  "ticket.refunded",
  "resale.listed",
  "resale.completed",
  "resale.cancelled",
  "event.created",
  "event.cancelled",
  "event.settled",
  "payout.claimed",
  "schedule.published",
  "schedule.changed",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Outbox topics whose facts become webhooks; other topics (tier and setting changes, deposits) are consumed without one. */
const FROM_OUTBOX: Record<string, WebhookEventType> = {
  "ticket.purchased": "ticket.purchased",
  "ticket.comped": "ticket.comped",
  "ticket.transferred": "ticket.transferred",
  "ticket.checked_in": "ticket.checked_in",
  "ticket.refunded": "ticket.refunded",
  "resale.listed": "resale.listed",
  "resale.completed": "resale.completed",
  "resale.cancelled": "resale.cancelled",
  "event.created": "event.created",
  "event.cancelled": "event.cancelled",
  "event.settled": "event.settled",
  "split.claimed": "payout.claimed",
};

export function eventTypeOfTopic(topic: string): WebhookEventType | undefined {
  return FROM_OUTBOX[topic];
}
