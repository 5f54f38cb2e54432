package members

roles contains role if {
	some binding in data.bindings
	binding.principal == input.principal
	some role in binding.roles
}

by_workspace[ws] := count(rs) if {
	some ws, rs in input.workspaces
}
