# Workspace-role authorization for NMP-style APIs (SPEC §8.5).
#
# Entrypoint: authz/allow. Result:
#   {"allowed": bool, "reason": code, "headers": {...},
#    "endpoint": matched pattern or null, "workspace": workspace or null, "roles": [effective roles]}
#
# Reasons (stable codes, also the metric label and the decision-log reason):
#   allowed: public, platform_admin, role
#   denied:  endpoint_denied, no_endpoint, unauthenticated (→ 401), scope_missing, no_role,
#            permission_missing (→ 403)
#
# Input contract (§8.2), as the server builds it:
#   input.method  lower-case ("get", "post", ...). The server lower-cases it; the policy lowers it
#                 again so a hand-written input behaves the same.
#   input.path    the path only, without the query; the server has already refused dot-segments,
#                 encoded slashes and backslashes, so segments can be compared as they are.
#   input.principal_id is null for an anonymous caller.
#
# Data (§8.1) comes from policies/data/*.yaml, the members data and the server configuration, put
# together by the server's data assembly. That assembly also precomputes the indexes used below
# (role_closure, role_grants, endpoint_index, endpoint_list, public_exact, public_prefixes) so each
# decision costs the same whether there are ten bindings or a million: only hashed lookups by
# principal and workspace, and only the few endpoint patterns sharing the path's length and first
# two segments.
package authz

import rego.v1

# A safety net: should any part of the result fail to evaluate (malformed input or data), the
# answer is still a denial rather than an empty result.
default allow := {
	"allowed": false,
	"reason": "no_endpoint",
	"headers": {},
	"endpoint": null,
	"workspace": null,
	"roles": [],
}

allow := {
	"allowed": allowed,
	"reason": reason,
	"headers": headers,
	"endpoint": endpoint_pattern,
	"workspace": workspace,
	"roles": sort(effective_roles),
}

# ---------------------------------------------------------------------------------------------------
# The decision: the first reason that applies, in the order of §8.5.
# ---------------------------------------------------------------------------------------------------

# A `deny: true` endpoint is closed even to PlatformAdmin and even on a public path: it is how an
# operator takes an API off the gateway.
reason := "endpoint_denied" if {
	endpoint.deny == true
} else := "public" if {
	is_public_path
} else := "no_endpoint" if {
	# Fail closed: an API that is not in the endpoint map is not reachable.
	not endpoint
} else := "unauthenticated" if {
	not is_authenticated
} else := "platform_admin" if {
	is_platform_admin
} else := "scope_missing" if {
	not scopes_satisfied
} else := "no_role" if {
	count(effective_roles) == 0
	count(endpoint.permissions) > 0
} else := "permission_missing" if {
	not permissions_satisfied
} else := "role"

default allowed := false

allowed if reason in {"public", "platform_admin", "role"}

# Extra headers for the upstream. The server always sets the identity headers of §4.3 itself; a
# policy that wants to pass more (say, the workspace) adds them here and the server forwards them.
headers := {}

# ---------------------------------------------------------------------------------------------------
# The request
# ---------------------------------------------------------------------------------------------------

method := lower(input.method)

# split keeps the empty string before the leading "/", so path_segments[1] is the first real
# segment; the data assembly splits patterns the same way, so indexes line up.
path_segments := split(input.path, "/")

is_authenticated if {
	is_string(input.principal_id)
	input.principal_id != ""
}

is_public_path if data.authz.config.public_exact[input.path]

is_public_path if {
	some prefix in data.authz.config.public_prefixes
	startswith(input.path, prefix)
}

# ---------------------------------------------------------------------------------------------------
# Endpoint matching (§8.5 rule 1)
# ---------------------------------------------------------------------------------------------------

# Only patterns with as many segments as the path, and sharing its first two segments (or having a
# placeholder there), can match.
endpoint_bucket := data.authz.endpoint_index[count(path_segments)]

candidate_ranks contains rank if {
	some rank in endpoint_bucket.by_prefix[path_segments[1]][path_segments[2]]
}

candidate_ranks contains rank if {
	some rank in endpoint_bucket.wild
}

# A pattern matches when it defines the method and every literal segment equals the path's segment
# at the same position; placeholders match any segment.
matching_ranks contains rank if {
	path_is_well_formed
	some rank in candidate_ranks
	candidate := data.authz.endpoint_list[rank]
	candidate.methods[method]
	every literal in candidate.literals {
		path_segments[literal.at] == literal.text
	}
}

# Placeholders never match an empty segment, so `/models/` and `/workspaces//models` are not
# taken for `/models/{name}` or `/workspaces/{workspace}/models`.
path_is_well_formed if {
	not contains(input.path, "//")
	not endswith(input.path, "/")
}

# Ranks are ordered by specificity in the data assembly: the lowest matching rank is the most
# specific pattern (more literal segments, then literals further left).
matched := data.authz.endpoint_list[min(matching_ranks)] if count(matching_ranks) > 0

endpoint := matched.methods[method]

default endpoint_pattern := null

endpoint_pattern := matched.pattern

# ---------------------------------------------------------------------------------------------------
# Workspace and roles (§8.5 rule 5)
# ---------------------------------------------------------------------------------------------------

default workspace := null

workspace := path_segments[matched.workspace_at]

# Endpoints outside any workspace (creating a workspace, platform settings) are judged by the
# caller's roles in `system`, where every authenticated caller is Viewer and WorkspaceCreator.
workspace := "system" if {
	matched
	not matched.workspace_at
}

# Everything a caller can be bound as: their id, their email, each group, and `*` for anyone
# authenticated. An anonymous caller has none, so holds no roles.
principal_keys contains input.principal_id if is_authenticated

principal_keys contains input.principal_email if {
	is_authenticated
	is_string(input.principal_email)
	input.principal_email != ""
}

principal_keys contains group if {
	is_authenticated
	some group in input.principal_groups
}

principal_keys contains "*" if is_authenticated

# The caller's roles in a workspace, closed under `includes` (the closure is precomputed per role).
roles_in(ws) := {role |
	some key in principal_keys
	some held in data.authz.principals[key].workspaces[ws]
	some role in data.authz.role_closure[held]
}

effective_roles := roles_in(workspace)

# An empty permission list admits any authenticated caller, with or without a role here (§8.5 rule 5).
# Each required permission is one hashed lookup per effective role (role_grants is precomputed), not a
# set of every permission the caller holds built anew for each request.
permissions_satisfied if {
	every permission in endpoint.permissions {
		some role in effective_roles
		data.authz.role_grants[role][permission]
	}
}

# ---------------------------------------------------------------------------------------------------
# PlatformAdmin (§8.5 rule 3): held in `system` by id, email, group or `*`.
# ---------------------------------------------------------------------------------------------------

is_platform_admin if "PlatformAdmin" in roles_in("system")

# ---------------------------------------------------------------------------------------------------
# Scopes (§8.5 rule 4)
# ---------------------------------------------------------------------------------------------------

# OIDC scopes such as `openid` or `email` say nothing about API access; only `api:action` scopes
# restrict what a token may do.
api_scopes contains scope if {
	some scope in input.scopes
	contains(scope, ":")
}

# A token without API scopes is not restricted by scopes (roles still apply). Scopes sent as
# anything but a list are a malformed input and restrict everything rather than nothing.
scopes_satisfied if {
	count(api_scopes) == 0
	not scopes_malformed
}

scopes_malformed if {
	not is_array(input.scopes)
	input.scopes != null
}

scopes_satisfied if {
	some scope in endpoint.scopes
	scope in api_scopes
}
