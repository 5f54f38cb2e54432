import { strict as assert } from "node:assert";
import { loadRuntime } from "./runtime-harness.js";

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

describe("runtime time built-ins", () => {
  const rt = loadRuntime();
  const call = (name: string, ...args: string[]): string | undefined => {
    const base = rt.heapPtr();
    const r = rt.call(`opa_bi_time_${name}`, ...args.map((a) => rt.parse(a)));
    const out = r === 0 ? undefined : rt.dump(r);
    rt.setHeapPtr(base);
    return out;
  };
  const ns = (ms: number): string => (BigInt(ms) * 1_000_000n).toString();

  it("parses RFC 3339 timestamps to nanoseconds, honouring fractions and offsets", () => {
    const cases: Array<[string, bigint]> = [
      ["1970-01-01T00:00:00Z", 0n],
      ["2017-06-02T19:00:00.123456789-07:00", BigInt(Date.UTC(2017, 5, 3, 2, 0, 0)) * 1_000_000n + 123456789n],
      ["2024-02-29T23:59:59.5+01:30", BigInt(Date.UTC(2024, 1, 29, 22, 29, 59)) * 1_000_000n + 500_000_000n],
      ["1969-12-31T23:59:59Z", -1_000_000_000n],
      ["1900-03-01T00:00:00Z", BigInt(Date.UTC(1900, 2, 1)) * 1_000_000n],
    ];
    for (const [text, want] of cases) assert.equal(call("parse_rfc3339_ns", JSON.stringify(text)), want.toString(), text);
  });

  it("rejects malformed or impossible RFC 3339 timestamps", () => {
    for (const text of ["2023-02-29T00:00:00Z", "2023-13-01T00:00:00Z", "2023-01-01 00:00:00Z", "2023-01-01T24:00:00Z",
      "2023-01-01T00:00:00", "2023-01-01T00:00:00.Z", "2023-01-01T00:00:00+0100", "x"]) {
      assert.equal(call("parse_rfc3339_ns", JSON.stringify(text)), undefined, text);
    }
    assert.equal(call("parse_rfc3339_ns", "1"), undefined);
  });

  it("agrees with the calendar for date, clock and weekday from 1700 to 2260", () => {
    let ms = Date.UTC(1700, 0, 1, 3, 4, 5);
    const end = Date.UTC(2260, 0, 1);
    const step = 86_400_000 * 37 + 3_723_001;
    let checked = 0;
    while (ms < end) {
      if (ms >= -9_223_372_036_854 && ms <= 9_223_372_036_854) {
        const d = new Date(ms);
        assert.equal(call("date", ns(ms)), `[${d.getUTCFullYear()},${d.getUTCMonth() + 1},${d.getUTCDate()}]`, d.toISOString());
        assert.equal(call("clock", ns(ms)), `[${d.getUTCHours()},${d.getUTCMinutes()},${d.getUTCSeconds()}]`, d.toISOString());
        assert.equal(call("weekday", ns(ms)), JSON.stringify(WEEKDAYS[d.getUTCDay()]), d.toISOString());
        checked++;
      }
      ms += step;
    }
    assert.ok(checked > 4000);
  });

  it("accepts [ns, zone] for UTC-equivalent zones only", () => {
    assert.equal(call("date", `[${ns(0)}, "UTC"]`), "[1970,1,1]");
    assert.equal(call("date", `[${ns(0)}, ""]`), "[1970,1,1]");
    assert.equal(call("date", `[${ns(0)}, "Europe/Paris"]`), undefined);
    assert.equal(call("date", '"2020"'), undefined);
  });

  it("adds years, months and days with Go's normalisation", () => {
    const t = ns(Date.UTC(2023, 9, 31, 12, 0, 0));
    assert.equal(call("add_date", t, "0", "1", "0"), ns(Date.UTC(2023, 11, 1, 12, 0, 0)));
    assert.equal(call("add_date", t, "1", "-10", "5"), ns(Date.UTC(2024, 0, 5, 12, 0, 0)));
    assert.equal(call("add_date", ns(Date.UTC(2024, 1, 29)), "1", "0", "0"), ns(Date.UTC(2025, 2, 1)));
    assert.equal(call("add_date", t, "500", "0", "0"), undefined);
  });

  it("diffs two times field by field, in either argument order", () => {
    const a = ns(Date.UTC(2021, 0, 31, 23, 59, 59));
    const b = ns(Date.UTC(2023, 2, 1, 0, 0, 0));
    assert.equal(call("diff", a, b), "[2,1,0,0,0,1]");
    assert.equal(call("diff", b, a), "[2,1,0,0,0,1]");
    assert.equal(call("diff", ns(Date.UTC(2020, 1, 15)), ns(Date.UTC(2020, 2, 10))), "[0,0,24,0,0,0]");
    assert.equal(call("diff", a, a), "[0,0,0,0,0,0]");
  });
});
