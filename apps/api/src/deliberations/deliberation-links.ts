import type { DeliberationView } from '@app/deliberation';

/** Where a client goes next from a deliberation: built here, since only the HTTP face knows its routes. */
export function linksFor(id: string): { self: string; events: string; transcript: string; tokens: string; checkpoints: string } {
  const self = `/v1/deliberations/${id}`;
  return { self, events: `${self}/events`, transcript: `${self}/transcript`, tokens: `${self}/tokens`, checkpoints: `${self}/checkpoints` };
}

export function withLinks(view: DeliberationView): DeliberationView & { links: ReturnType<typeof linksFor> } {
  return { ...view, links: linksFor(view.id) };
}
