/**
 * Deterministic answer texts for the benchmark provider. Each participant keeps a stable "core" of its
 * own words and adds fresh words every round, so an answer is neither identical to nor unrelated to the
 * participant's previous one: TF-IDF similarity between consecutive rounds stays between the impasse
 * (0.40) and convergence (0.85) thresholds, and every deliberation runs all its rounds. Each answer ends
 * with a vote that asks to continue the debate.
 */

const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'tu', 'sa', 'vi', 'del', 'por', 'nex', 'qua', 'bri', 'sto', 'fen', 'gal', 'hur', 'jin', 'mox', 'pla', 'zed'];

/** Mulberry32: a small seeded generator, so benchmark texts are the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VOCABULARY: string[] = (() => {
  const next = rng(7);
  const words = new Set<string>();
  while (words.size < 6000) {
    const n = 2 + Math.floor(next() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(next() * SYLLABLES.length)];
    words.add(w);
  }
  return [...words];
})();

function words(seed: number, count: number): string[] {
  const next = rng(seed);
  return Array.from({ length: count }, () => VOCABULARY[Math.floor(next() * VOCABULARY.length)]);
}

/** About `bytes` characters of text for participant `participant` in round `round`, ending with its vote. */
export function benchAnswer(participant: number, round: number, bytes: number): string {
  const vote = `VOTE: {"option": "option ${participant % 2 === 0 ? 'A' : 'B'}", "confidence": 0.7, "rationale": "round ${round} of participant ${participant}", "continue_debate": true}`;
  const room = Math.max(80, bytes - vote.length - 2);
  const core = words(1000 + participant, 4000);
  const fresh = words(100_000 * (participant + 1) + round, 4000);
  let text = '';
  let c = 0;
  let f = 0;
  // One sentence of fresh words, then three of the participant's own words (the same every round).
  for (let sentence = 0; text.length < room; sentence++) {
    const fromCore = sentence % 4 !== 0;
    text += `${(fromCore ? core.slice(c, c + 12) : fresh.slice(f, f + 12)).join(' ')}. `;
    if (fromCore) c += 12;
    else f += 12;
  }
  return `${text.slice(0, room).trimEnd()}\n\n${vote}`;
}

/** The round a prompt belongs to, read from the engine's round framing ("This is round N ..."). */
export function roundOf(prompt: string): number {
  const match = /This is round (\d+) of the deliberation/.exec(prompt);
  return match ? Number(match[1]) : 1;
}
