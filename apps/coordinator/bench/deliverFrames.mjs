// The site server's path for a round's signed result frames, shared by the coordinator benches:
// frames parsed and accepted in groups of `batch` (one transaction each, as the server commits what
// arrived in one event-loop turn), each ack and each envelope to send encoded as the server sends
// them. Returns the envelopes to send next; `afterBatch` runs after each group (a memory probe).
export function deliverFrames({ ctx, acceptResults, encodeOutgoing, peers }, frames, batch, afterBatch = () => {}) {
  let next = [];
  for (let start = 0; start < frames.length; start += batch) {
    const group = frames.slice(start, start + batch).map((f) => ({ peer: peers.get(f.siteId), doc: JSON.parse(f.text) }));
    for (const out of acceptResults(ctx, group)) {
      if (out.ack.status !== 'accepted') throw new Error(`bench result refused: ${out.ack.code} ${out.ack.message}`);
      encodeOutgoing(out.ack);
      for (const e of out.send) encodeOutgoing(e);
      next = next.concat(out.send);
    }
    afterBatch();
  }
  return next;
}
