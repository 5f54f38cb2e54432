package checks

ok if input.user.active

all_positive if every x in input.values { x > 0 }

admin_ok if ok with input.user as {"active": true}

not_blocked if not input.blocked
