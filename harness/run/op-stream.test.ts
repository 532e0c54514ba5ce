// opStream: the same seed and thread give the same op plans across batches, other seeds or
// threads other ones; mixSeed gives distinct 31-bit seeds.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cart } from "../../workloads/cart-workload.js";
import { register } from "../../workloads/register-workload.js";
import { mixSeed, opStream } from "./op-stream.js";

const take = <T>(stream: Iterator<T>, n: number) =>
  Array.from({ length: n }, () => stream.next().value as T);

describe("opStream", () => {
  const workloads = [
    cart.create(cart.schema.parse({ name: "cart", keys: 3 })),
    register.create({ name: "register", keys: 3 }),
  ];
  for (const workload of workloads) {
    it(`${workload.name}: the same seed and thread give the same ops, across batches`, () => {
      const a = take(opStream(workload.plan(3), 7, 2), 600);
      const b = take(opStream(workload.plan(3), 7, 2), 600);
      expect(a).toEqual(b);
      expect(take(opStream(workload.plan(3), 8, 2), 600)).not.toEqual(a);
      expect(take(opStream(workload.plan(3), 7, 3), 600)).not.toEqual(a);
    });
  }

  it("mixes seeds into distinct 31-bit integers", () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(100), fc.nat(100), (seed, thread, batch) => {
        const mixed = mixSeed(seed, thread, batch);
        expect(mixed).toBeGreaterThanOrEqual(0);
        expect(mixed).toBeLessThan(2 ** 31);
        expect(mixSeed(seed, thread, batch + 1)).not.toBe(mixed);
      }),
    );
  });
});
