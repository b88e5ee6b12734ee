import { requireAuth } from "../../http/auth.js";
import { pageOf, PageQuery } from "../../http/pagination.js";
import type { ApiRouter } from "../../http/route.js";
import { z } from "../../http/zod.js";
import * as s from "./company-schemas.js";
import type { CompanyService } from "./company-service.js";

/** Companies (the back office's tenants): settings, company roles and the artist roster. */
export function companyRoutes(api: ApiRouter, companies: CompanyService): void {
  const tags = ["companies"];
  api.route({
    method: "post",
    path: "/api/v1/companies",
    tags,
    summary: "Make an organization a company (its owner; you become system_admin)",
    access: requireAuth,
    body: s.CreateCompanyBody,
    response: s.Company,
    handler: ({ principal, audit, body }) => companies.create(principal, audit, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/companies",
    tags,
    summary: "Companies you hold a role in, with your roles",
    access: requireAuth,
    response: z.object({ items: z.array(z.object({ companyId: z.uuid(), roles: z.array(s.CompanyRole) })) }),
    handler: ({ principal }) => companies.listMine(principal),
  });
  api.route({
    method: "get",
    path: "/api/v1/companies/{companyId}",
    tags,
    summary: "A company's settings",
    access: requireAuth,
    params: s.CompanyIdParams,
    response: s.Company,
    handler: ({ principal, params }) => companies.get(principal, params.companyId),
  });
  api.route({
    method: "patch",
    path: "/api/v1/companies/{companyId}",
    tags,
    summary: "Change a company's settings (admin, system_admin)",
    access: requireAuth,
    params: s.CompanyIdParams,
    body: s.UpdateCompanyBody,
    response: s.Company,
    handler: ({ principal, audit, params, body }) => companies.update(principal, audit, params.companyId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/companies/{companyId}/roles",
    tags,
    summary: "Who holds which company role",
    access: requireAuth,
    params: s.CompanyIdParams,
    query: PageQuery,
    response: pageOf(s.CompanyRoleGrant),
    handler: ({ principal, params, query }) => companies.listRoles(principal, params.companyId, query),
  });
  api.route({
    method: "post",
    path: "/api/v1/companies/{companyId}/roles",
    tags,
    summary: "Grant a company role (admins grant artist and production_manager; system_admins any)",
    access: requireAuth,
    params: s.CompanyIdParams,
    body: s.GrantRoleBody,
    response: s.CompanyRoleGrant,
    handler: ({ principal, audit, params, body }) => companies.grantRole(principal, audit, params.companyId, body),
  });
  api.route({
    method: "delete",
    path: "/api/v1/companies/{companyId}/roles/{roleId}",
    tags,
    summary: "Revoke a company role",
    access: requireAuth,
    params: s.CompanyRoleParams,
    handler: ({ principal, audit, params }) => companies.revokeRole(principal, audit, params.companyId, params.roleId),
  });
  api.route({
    method: "post",
    path: "/api/v1/companies/{companyId}/artists",
    tags,
    summary: "Add an artist to the roster (tax id and IBAN are encrypted at rest)",
    access: requireAuth,
    params: s.CompanyIdParams,
    body: s.CreateArtistBody,
    response: s.CompanyArtist,
    handler: ({ principal, audit, params, body }) => companies.createArtist(principal, audit, params.companyId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/companies/{companyId}/artists",
    tags,
    summary: "The roster (personal data masked except for finance roles)",
    access: requireAuth,
    params: s.CompanyIdParams,
    query: PageQuery,
    response: pageOf(s.CompanyArtist),
    handler: ({ principal, params, query }) => companies.listArtists(principal, params.companyId, query),
  });
  api.route({
    method: "get",
    path: "/api/v1/companies/{companyId}/artists/duplicates",
    tags,
    summary: "Roster entries with this tax id, found by its SHA-256 (finance roles)",
    access: requireAuth,
    params: s.CompanyIdParams,
    query: s.DuplicateQuery,
    response: pageOf(s.CompanyArtist),
    handler: ({ principal, params, query }) => companies.findDuplicates(principal, params.companyId, query.taxIdCountry, query.taxId),
  });
  api.route({
    method: "post",
    path: "/api/v1/companies/{companyId}/artists/rotate-keys",
    tags,
    summary: "Re-encrypt personal data still under a previous key (system_admin)",
    access: requireAuth,
    params: s.CompanyIdParams,
    response: s.RotationResult,
    status: 200,
    handler: ({ principal, audit, params }) => companies.rotateKeys(principal, audit, params.companyId),
  });
  api.route({
    method: "get",
    path: "/api/v1/companies/{companyId}/artists/{artistId}",
    tags,
    summary: "One roster entry (the artist themself, or staff)",
    access: requireAuth,
    params: s.CompanyArtistParams,
    response: s.CompanyArtist,
    handler: ({ principal, params }) => companies.getArtist(principal, params.companyId, params.artistId),
  });
  api.route({
    method: "patch",
    path: "/api/v1/companies/{companyId}/artists/{artistId}",
    tags,
    summary: "Change a roster entry (the artist's own personal data, or staff)",
    access: requireAuth,
    params: s.CompanyArtistParams,
    body: s.UpdateArtistBody,
    response: s.CompanyArtist,
    handler: ({ principal, audit, params, body }) => companies.updateArtist(principal, audit, params.companyId, params.artistId, body),
  });
}
