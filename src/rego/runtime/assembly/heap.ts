// Bump allocator over the imported memory. Values are never freed one by one: the SDK resets the
// heap pointer before every evaluation, which discards everything the evaluation allocated.

@external("env", "opa_abort")
export declare function opa_abort(msg: usize): void;

@external("env", "opa_println")
export declare function opa_println(msg: usize): void;

// The heap pointer itself. The linker rewrites the i32.const initialiser to the end of all data
// segments, so a module starts allocating right after its constants; keeping the pointer in the
// exported global (instead of a copy set by a start function) means nothing runs at instantiation.
export let __heap_start: usize = 0;

const OOM = memory.data<u8>([111, 117, 116, 32, 111, 102, 32, 109, 101, 109, 111, 114, 121, 0]);

@inline
export function align8(n: usize): usize {
  return (n + 7) & ~(<usize>7);
}

export function alloc(size: usize): usize {
  const p = __heap_start;
  const np = p + align8(size);
  if (np > (<usize>memory.size() << 16)) growTo(np);
  __heap_start = np;
  return p;
}

@inline
export function heapTop(): usize {
  return __heap_start;
}

// Reserve bytes directly above the current top without moving it (used by writers that extend
// their buffer in place while they are the last allocation).
export function ensureMemory(end: usize): void {
  if (end > (<usize>memory.size() << 16)) growTo(end);
}

function growTo(end: usize): void {
  const have = memory.size();
  let need = <i32>((end + 0xffff) >> 16) - have;
  // grow geometrically (at least 1 MiB, else half the current size): each grow may copy the
  // whole memory, so a large parse must not grow page by page
  let want = have >> 1;
  if (want < 16) want = 16;
  if (want < need) want = need;
  if (memory.grow(want) < 0) {
    if (memory.grow(need) < 0) {
      abortWith(OOM);
    }
  }
}

export function abortWith(cstr: usize): void {
  opa_abort(cstr);
  unreachable();
}

export function setHeap(p: usize): void {
  __heap_start = align8(p);
  ensureMemory(__heap_start);
}
