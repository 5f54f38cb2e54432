package docs

names := {name | some name, _ in data.catalog}

first := [x | some x in input.xs; x > 1]

index := {k: v | some k, v in input.xs}

level := 1
