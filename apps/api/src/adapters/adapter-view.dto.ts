import { ApiProperty } from '@nestjs/swagger';
import { TIERS, type AdapterTier } from '@app/config';
import type { AdapterView, BreakerView } from '@app/adapters';

export class AdapterModelsDto {
  @ApiProperty({ example: 'claude-haiku-4-5', description: 'Model used for cheap, fast rounds' })
  fast: string;

  @ApiProperty({ example: 'claude-sonnet-4-6', description: 'Model used when a round needs reasoning' })
  reasoning: string;
}

/** An adapter's circuit breaker as it stands now. */
export class BreakerViewDto implements BreakerView {
  @ApiProperty({
    enum: ['closed', 'open', 'half_open'],
    description: 'closed: calls go; open: no call goes and participants move to another adapter; half_open: the cool-down is over, one trial call decides',
  })
  state: 'closed' | 'open' | 'half_open';

  @ApiProperty({ description: 'Transport failures or timeouts in a row (circuitBreaker.failureThreshold opens it)' })
  consecutiveFailures: number;

  @ApiProperty({ type: String, nullable: true, description: 'When it last opened (ISO-8601); null while closed' })
  openedAt: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'When an open breaker lets a trial call through (ISO-8601); null unless open' })
  reopensAt: string | null;
}

/** One configured adapter as GET /v1/adapters shows it; never a key or a command line. */
export class AdapterViewDto implements AdapterView {
  @ApiProperty({ example: 'claude' })
  name: string;

  @ApiProperty({ enum: ['cli', 'http', 'replay'] })
  kind: 'cli' | 'http' | 'replay';

  @ApiProperty({
    example: 'anthropic',
    description: 'claude | codex | gemini | droid | llamacpp | ollama | openai | openrouter | lmstudio | anthropic | replay',
  })
  provider: string;

  @ApiProperty({ enum: TIERS, description: 'T0 local_cheap, T1 local_strong, T2 cheap_cloud, T3 expensive_cloud' })
  tier: AdapterTier;

  @ApiProperty({ type: AdapterModelsDto })
  models: AdapterModelsDto;

  @ApiProperty()
  enabled: boolean;

  @ApiProperty({ description: 'CLI: the executable exists and is executable; HTTP: a cheap probe answered (cached 60 s); replay: always' })
  reachable: boolean;

  @ApiProperty({ type: BreakerViewDto })
  breaker: BreakerViewDto;
}
