package authz

default allow := false

allow if {
	input.method == "get"
	not deny
}

deny if input.blocked
