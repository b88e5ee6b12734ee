import { requireApiScope } from "../../http/auth.js";
import { PageQuery, pageOf } from "../../http/pagination.js";
import type { ApiRouter } from "../../http/route.js";
import type { RouteDeps } from "../../http/route-deps.js";
import { FestivalParams } from "../festivals/schemas.js";
import {
  CategoryParams,
  CreateCategoryBody,
  CreateEventBody,
  Event,
  EventCategory,
  EventParams,
  ListEventsQuery,
  Tag,
  UpdateCategoryBody,
  UpdateEventBody,
} from "./schemas.js";
import * as events from "./service.js";

const read = requireApiScope("festivals:read");
const write = requireApiScope("festivals:write");
const tags = ["events"];
const needs = "Needs festival manager access (scope editions).";

export function eventRoutes(api: ApiRouter, { db }: RouteDeps): void {
  api.route({
    method: "post",
    path: "/api/v1/festivals/{festivalId}/event-categories",
    summary: "Create an event category",
    tags,
    description: needs,
    access: write,
    params: FestivalParams,
    body: CreateCategoryBody,
    response: EventCategory,
    handler: ({ principal, audit, params, body }) => events.createCategory(db, principal, audit, params.festivalId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/festivals/{festivalId}/event-categories",
    summary: "Event categories (flat, parentId gives the tree)",
    tags,
    access: read,
    params: FestivalParams,
    query: PageQuery,
    response: pageOf(EventCategory),
    handler: ({ principal, params, query }) => events.listCategories(db, principal, params.festivalId, query),
  });
  api.route({
    method: "patch",
    path: "/api/v1/event-categories/{categoryId}",
    summary: "Change an event category",
    tags,
    description: needs,
    access: write,
    params: CategoryParams,
    body: UpdateCategoryBody,
    response: EventCategory,
    handler: ({ principal, audit, params, body }) => events.updateCategory(db, principal, audit, params.categoryId, body),
  });
  api.route({
    method: "delete",
    path: "/api/v1/event-categories/{categoryId}",
    summary: "Delete an event category",
    tags,
    description: needs,
    access: write,
    params: CategoryParams,
    handler: ({ principal, audit, params }) => events.deleteCategory(db, principal, audit, params.categoryId),
  });
  api.route({
    method: "get",
    path: "/api/v1/festivals/{festivalId}/tags",
    summary: "Tags with their use counts",
    tags,
    access: read,
    params: FestivalParams,
    query: PageQuery,
    response: pageOf(Tag),
    handler: ({ principal, params, query }) => events.listTags(db, principal, params.festivalId, query),
  });
  api.route({
    method: "post",
    path: "/api/v1/festivals/{festivalId}/events",
    summary: "Create an event",
    tags,
    description: needs,
    access: write,
    params: FestivalParams,
    body: CreateEventBody,
    response: Event,
    handler: ({ principal, audit, params, body }) => events.createEvent(db, principal, audit, params.festivalId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/festivals/{festivalId}/events",
    summary: "Events of a festival",
    tags,
    access: read,
    params: FestivalParams,
    query: PageQuery.extend(ListEventsQuery.shape),
    response: pageOf(Event),
    handler: ({ principal, params, query }) => events.listEvents(db, principal, params.festivalId, query, query),
  });
  api.route({
    method: "get",
    path: "/api/v1/events/{eventId}",
    summary: "An event",
    tags,
    access: read,
    params: EventParams,
    response: Event,
    handler: ({ principal, params }) => events.getEvent(db, principal, params.eventId),
  });
  api.route({
    method: "patch",
    path: "/api/v1/events/{eventId}",
    summary: "Change an event",
    tags,
    description: needs,
    access: write,
    params: EventParams,
    body: UpdateEventBody,
    response: Event,
    handler: ({ principal, audit, params, body }) => events.updateEvent(db, principal, audit, params.eventId, body),
  });
  api.route({
    method: "delete",
    path: "/api/v1/events/{eventId}",
    summary: "Delete an event (soft)",
    tags,
    description: needs,
    access: write,
    params: EventParams,
    handler: ({ principal, audit, params }) => events.deleteEvent(db, principal, audit, params.eventId),
  });
}
