import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { MetricsService } from '@app/tokens';
import { Public } from '../http/public.decorator';

/**
 * Prometheus scrape endpoint. Open by default (scrapers rarely carry keys; it holds counts, never
 * content); `metrics.requireKey: true` puts it behind the API key like every other route.
 */
@Public((config) => !config.metrics.requireKey)
@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Prometheus metrics: tokens, cost, calls, errors, latency, deliberations by status' })
  @ApiOkResponse({ description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': {} } })
  async scrape(@Res({ passthrough: true }) res: Response): Promise<string> {
    res.type(this.metrics.contentType);
    return this.metrics.metrics();
  }
}
