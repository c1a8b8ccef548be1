import type { Cassette } from '@app/adapters';
import { rng } from '../support/answers';

/**
 * Ten multi-round deliberations shaped like real reviews by frontier models: 3–4 participants, 3
 * rounds, markdown answers of 1.5–8k characters (headings, paragraphs, bullet lists), later rounds
 * that quote and answer the others, and votes in the formats models actually produce (a bare line,
 * bold, inside a code fence). Built deterministically from a seed, so every run replays the same text.
 */

interface Topic {
  question: string;
  /** The subject in a few words, for connective sentences. */
  subject: string;
  claims: string[];
  risks: string[];
  /** The decision each participant reaches in the final round, and earlier ones where it moved. */
  votes: string[][];
}

const TOPICS: Topic[] = [
  {
    question: 'Should the billing service move from REST polling to webhooks for payment-status updates?',
    subject: 'the webhook migration',
    claims: [
      'Polling wastes more than 98% of calls on "no change" answers and delays every status change by up to 30 seconds.',
      'Webhooks must be verified with the processor signature before anything is written to the inbox table.',
      'An idempotent consumer keyed by event id makes duplicate deliveries and retries harmless.',
      'A nightly reconciliation poll should stay, because processors drop deliveries during their own incidents.',
      'Events can arrive out of order, so the consumer needs a version check on the payment aggregate.',
      'The ingestion endpoint should return 200 immediately and do the work asynchronously.',
      'We need a dead-letter queue for events that fail validation, with an alert on its depth.',
      'The migration can run in shadow mode first: consume webhooks but keep polling as the source of truth.',
    ],
    risks: [
      'Signature secrets rotated without coordination break ingestion.',
      'A public endpoint widens the attack surface.',
      'Ordering bugs surface only under load.',
    ],
    votes: [
      ['Approve with conditions', 'Approve with conditions'],
      ['Approve', 'Approve with integration revisions'],
      ['Approve with revisions', 'Approve with integration-seam revisions'],
      ['Defer until reconciliation exists', 'Approve with revisions required before implementation'],
    ],
  },
  {
    question: 'REST or GraphQL for the public API of the inventory service?',
    subject: 'the API style',
    claims: [
      "Our clients mostly fetch whole resources, so GraphQL's selective fetching saves little bandwidth.",
      'GraphQL moves query cost control onto the server, which needs depth and complexity limits.',
      'REST with HTTP caching fits our CDN setup without extra infrastructure.',
      'The mobile team wants fewer round trips for the product detail screen.',
      'A backend-for-frontend can aggregate REST calls for mobile without exposing GraphQL publicly.',
      'OpenAPI tooling already generates our SDKs; switching would cost a quarter of platform work.',
      'Versioning is easier to reason about with REST paths than with GraphQL schema deprecations.',
      'Observability per operation is harder with a single GraphQL endpoint.',
    ],
    risks: ['A GraphQL endpoint without cost limits invites expensive queries.', 'Two API styles double the support burden.'],
    votes: [
      ['REST', 'REST'],
      ['REST with a BFF for mobile', 'REST with a mobile BFF'],
      ['GraphQL', 'REST'],
      ['REST', 'Keep REST'],
    ],
  },
  {
    question: 'Approve the design revision for the multi-region failover of the order database?',
    subject: 'the failover design',
    claims: [
      'The revision replaces manual promotion with an automated runbook triggered by health checks.',
      'Automated promotion must require a quorum of independent health signals, or a network partition will cause split brain.',
      'Replication lag during failover means the last seconds of orders can be lost unless writes are fenced.',
      'The recovery point objective of five seconds is not met by asynchronous replication under peak load.',
      'Failback is not described; it needs the same rigour as failover.',
      'A quarterly game day should exercise the runbook against production-like traffic.',
      'Client connection strings must resolve through the service discovery layer, not fixed hosts.',
      'The cost of a warm standby region is justified by the revenue lost per hour of outage.',
    ],
    risks: ['Split brain under partition.', 'Silent data loss from replication lag.', 'Failback untested.'],
    votes: [
      ['Conditional Approve with P0/P1 fixes', 'Conditional Approve with P0/P1 fixes'],
      ['Conditional approve with P1 fixes', 'Conditional approve with P1 fixes'],
      ['Reject and Revise', 'Conditional approve with P0 fix required'],
      ['Conditional approve with P1 blockers', 'Conditional approve with P1 blockers'],
    ],
  },
  {
    question: 'Should we adopt a monorepo for the twelve front-end packages?',
    subject: 'the monorepo',
    claims: [
      'Cross-package changes today need coordinated releases across up to five repositories.',
      'A monorepo with workspace tooling lets one pull request change a component and its consumers together.',
      'CI must only build and test affected packages, or pipeline times will grow with every package.',
      'Code ownership files keep review responsibility clear within one repository.',
      'Independent versioning can stay with changesets, so consumers outside the repo see no difference.',
      'Migration should move the two most coupled packages first and measure CI time before the rest.',
      'Git history of each package can be preserved with subtree imports.',
    ],
    risks: ['CI time grows without affected-package detection.', 'Tooling lock-in to one workspace manager.'],
    votes: [
      ['Yes', 'Yes'],
      ['Yes, incrementally', 'Yes'],
      ['No', 'No'],
      ['Yes', 'Yes'],
    ],
  },
  {
    question: 'Which option should the data team take for the event pipeline: A (managed Kafka), B (self-hosted Kafka), C (Kinesis), or D (Pub/Sub)?',
    subject: 'the event pipeline',
    claims: [
      'Managed Kafka keeps the Kafka client ecosystem our consumers already use.',
      'Self-hosting Kafka needs at least one engineer on call for brokers and storage.',
      'Kinesis ties us to one cloud and its shard model needs capacity planning.',
      'Pub/Sub would require rewriting every consumer and its ordering guarantees differ.',
      'Retention of seven days is required for replays; all options can provide it at different costs.',
      'Exactly-once semantics matter for the billing consumers and are easiest to get with Kafka transactions.',
      'The managed option costs about 30% more than self-hosting at our volume but removes the operations burden.',
    ],
    risks: ['Vendor lock-in.', 'Operational load of self-hosting.'],
    votes: [
      ['Option A', 'Option A'],
      ['Option B', 'Option A'],
      ['Option A', 'Option A'],
    ],
  },
  {
    question: 'Should the payments team rewrite the settlement job from Python to Go?',
    subject: 'the rewrite',
    claims: [
      'The settlement job takes four hours nightly, and most of it is waiting on database round trips, not CPU.',
      'Batching the queries would cut the runtime more than a language change.',
      'A rewrite risks regressions in rounding rules that took years to get right.',
      'Go would simplify deployment to a single binary.',
      'The team has two Go engineers and six Python engineers.',
      'Profiling should come first: without it we are guessing where the time goes.',
    ],
    risks: ['Regressions in settlement arithmetic.', 'Knowledge concentrated in two engineers.'],
    votes: [
      ['Do not approve as written', 'Do not approve as written'],
      ['Approve', 'Do not approve as written'],
      ['Do not approve as written', 'Do not approve as written'],
    ],
  },
  {
    question: 'Approve the proposal to enforce mandatory code review by two reviewers on all repositories?',
    subject: 'two-reviewer enforcement',
    claims: [
      'Incidents traced to unreviewed changes fell after one reviewer became mandatory last year.',
      'A second reviewer adds latency to every change, which small teams feel most.',
      'Two reviewers should be required only for security-sensitive paths defined in ownership files.',
      'Review quality matters more than reviewer count; checklists help more than a second approval.',
      'Exceptions for documentation and configuration changes keep the rule from becoming friction.',
      'We should measure lead time before and after, and revisit in a quarter.',
    ],
    risks: ['Slower delivery.', 'Rubber-stamp second reviews.'],
    votes: [
      ['Approve', 'Approve — engine handles asymmetry'],
      ['Approve', 'Approve'],
      ['Approve for sensitive paths only', 'Approve — engine handles asymmetry'],
      ['Reject', 'Approve'],
    ],
  },
  {
    question: 'Should we cache product prices in Redis with a five-minute TTL?',
    subject: 'price caching',
    claims: [
      'Price lookups are 40% of the catalogue database load at peak.',
      'A five-minute TTL means a price change can take five minutes to show, which legal says is acceptable for list prices but not for promotions.',
      'Promotions must invalidate the cache explicitly when they start and end.',
      'A cache stampede at expiry can be avoided with jittered TTLs and request coalescing.',
      'Redis is already operated by the platform team, so no new infrastructure is needed.',
      'The cache key must include currency and region, or customers will see wrong prices.',
    ],
    risks: ['Stale promotional prices.', 'Wrong prices from incomplete cache keys.'],
    votes: [
      ['Yes with explicit invalidation', 'Yes with explicit invalidation'],
      ['Yes', 'Yes with explicit invalidation'],
      ['Yes with explicit invalidation for promotions', 'Yes with explicit invalidation'],
    ],
  },
  {
    question: 'Should the mobile app drop support for Android versions below 10?',
    subject: 'the Android support change',
    claims: [
      'Devices below Android 10 are 4% of active users but 20% of crash reports.',
      'Dropping them removes two compatibility libraries and a custom storage layer.',
      'Those users are concentrated in two markets where we are growing.',
      'A lighter web fallback could serve those users for the core purchase flow.',
      'Play Store policy will require a newer target API level next year anyway.',
      'We should announce the change three months ahead in the app.',
    ],
    risks: ['Losing users in growth markets.', 'Negative store reviews.'],
    votes: [
      ['Yes, with a web fallback', 'Yes with a web fallback'],
      ['No', 'Yes, with a web fallback'],
      ['Yes', 'Yes with a web fallback'],
      ['Yes with web fallback', 'Yes, with a web fallback'],
    ],
  },
  {
    question: 'Approve moving the internal admin tools behind the company SSO with hardware keys?',
    subject: 'the SSO migration',
    claims: [
      'Admin tools today use shared passwords stored in a vault, which makes audit trails per person impossible.',
      'SSO gives per-person audit logs and immediate revocation when someone leaves.',
      'Hardware keys stop phishing, which caused our last two account takeovers.',
      'Break-glass access must exist for when the identity provider is down.',
      'Service accounts used by automation need a separate path with scoped tokens.',
      'Rollout should start with the tools that can change customer data.',
    ],
    risks: ['Lockout when the identity provider fails.', 'Automation breaking on the cut-over.'],
    votes: [
      ['Approve', 'Approve'],
      ['Approve', 'Approve'],
      ['Approve with break-glass procedure', 'Approve'],
    ],
  },
];

const CONNECTIVES = [
  'Looking at {s} from an operational angle, the main question is who carries the cost when something goes wrong at night.',
  'The numbers we have for {s} are rough, but they point in one direction, and I would rather act on them than wait for perfect data.',
  'I have weighed {s} against the alternatives the others raised, and the trade-off is mostly about risk we can see versus risk we cannot.',
  'Teams that have done something like {s} before report that the hard part was the migration, not the end state.',
  'In my experience the details of {s} matter less than getting the rollback path right before the first step.',
  'A fair reading of the evidence on {s} is that both sides are partly right, and the disagreement is about sequencing.',
  'We should be explicit about what would make us reverse {s}, so the decision can be checked later.',
  'None of this is new: the same pattern shows up whenever a team changes {s} under time pressure.',
  'The cost estimate for {s} leaves out the time of the people who will review and operate it.',
  'Documentation for {s} should be written as part of the work, not after it.',
  'I want to separate what we know about {s} from what we are assuming, because the assumptions carry most of the risk.',
  'Any plan for {s} should name an owner for each step and a date by which we check the result.',
];

const VOTE_STYLES = [
  (json: string) => `VOTE: ${json}`,
  (json: string) => `**VOTE:** ${json}`,
  (json: string) => '```\nVOTE: ' + json + '\n```',
  (json: string) => `My vote:\n\nVOTE: ${json}`,
];

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)];
}

function answer(topic: Topic, rand: () => number, participant: number, round: number, voteOption: string, continueDebate: boolean, others: string[]): string {
  const target = 1_500 + Math.floor(rand() * 6_500);
  const s = (text: string) => text.replaceAll('{s}', topic.subject);
  const parts: string[] = [];
  parts.push(`## ${round === 1 ? 'Position' : `Round ${round}: where I stand now`}`);
  parts.push(
    `${round === 1 ? 'My position' : 'After reading the other answers, my position'} is: ${voteOption.toLowerCase()}. ${pick(rand, topic.claims)} ${s(pick(rand, CONNECTIVES))}`,
  );
  if (round > 1 && others.length) {
    parts.push('## Responding to the others');
    for (const other of others)
      parts.push(
        `- I agree with ${other} that ${pick(rand, topic.claims).replace(/^\w/, (c) => c.toLowerCase())} However, ${s(pick(rand, CONNECTIVES)).replace(/^\w/, (c) => c.toLowerCase())}`,
      );
  }
  parts.push('## Analysis');
  while (parts.join('\n\n').length < target - 900) {
    const sentences = Array.from({ length: 3 + Math.floor(rand() * 3) }, () => (rand() < 0.45 ? pick(rand, topic.claims) : s(pick(rand, CONNECTIVES))));
    parts.push(sentences.join(' '));
    if (rand() < 0.3) parts.push(Array.from({ length: 3 }, () => `- ${pick(rand, topic.claims)}`).join('\n'));
  }
  parts.push('## Risks');
  parts.push(topic.risks.map((r) => `- ${r}`).join('\n'));
  parts.push('## Recommendation');
  parts.push(`${voteOption}. ${pick(rand, topic.claims)}`);
  const json = JSON.stringify({
    option: voteOption,
    confidence: Math.round((0.6 + rand() * 0.35) * 100) / 100,
    rationale: pick(rand, topic.claims),
    continue_debate: continueDebate,
  });
  parts.push(pick(rand, VOTE_STYLES)(json));
  return parts.join('\n\n');
}

export function economyCassettes(): Cassette[] {
  return TOPICS.map((topic, t) => {
    const rand = rng(1_000 + t);
    const n = topic.votes.length;
    const labels = ['Architect (Claude-like)', 'SRE (GPT-like)', 'Security reviewer (Gemini-like)', 'Staff engineer (local model)'].slice(0, n);
    const responses: Cassette['responses'] = {};
    for (let round = 1; round <= 3; round++) {
      responses[String(round)] = {};
      for (let p = 0; p < n; p++) {
        const option = round === 1 ? topic.votes[p][0] : topic.votes[p][1];
        const others = labels.filter((_, i) => i !== p).slice(0, 2);
        // Everyone asks for more debate until the last round, so every cassette runs its three rounds.
        responses[String(round)][String(p)] = { text: answer(topic, rand, p, round, option, round < 3, round > 1 ? others : []) };
      }
    }
    return { question: topic.question, participants: labels.map((label, index) => ({ index, label })), responses };
  });
}
