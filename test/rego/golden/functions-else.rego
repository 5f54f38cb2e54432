package grade

level(score) := "high" if score >= 90
else := "mid" if score >= 50
else := "low"

pair([a, b]) := a + b

result := [level(input.score), pair([1, 2])]
