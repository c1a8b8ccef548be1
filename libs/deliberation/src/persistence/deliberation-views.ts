import { Injectable } from '@nestjs/common';
import { toDeliberationView, type DeliberationView } from '../deliberation.view';
import { DeliberationRepository, type ListQuery } from './deliberation.repository';
import { RoundRepository } from './round.repository';

/** Reads deliberations as the API shows them: rows from both repositories, mapped by the pure view mapper. */
@Injectable()
export class DeliberationViews {
  constructor(
    private readonly deliberations: DeliberationRepository,
    private readonly rounds: RoundRepository,
  ) {}

  async view(id: string): Promise<DeliberationView | null> {
    const row = await this.deliberations.find(id);
    if (!row) return null;
    const { rounds, responses } = await this.rounds.of([id]);
    return toDeliberationView(row, rounds, responses);
  }

  async list(query: ListQuery): Promise<{ items: DeliberationView[]; nextCursor: { createdAt: string; id: string } | null }> {
    const { rows, more } = await this.deliberations.page(query);
    const { rounds, responses } = await this.rounds.of(rows.map((r) => r.id));
    const items = rows.map((row) =>
      toDeliberationView(
        row,
        rounds.filter((r) => r.deliberationId === row.id),
        responses.filter((r) => r.deliberationId === row.id),
      ),
    );
    const last = rows[rows.length - 1];
    return { items, nextCursor: more && last ? { createdAt: last.createdAt, id: last.id } : null };
  }
}
