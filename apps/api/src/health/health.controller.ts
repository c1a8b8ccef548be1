import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../http/public.decorator';

const startedAt = Date.now();

/** Open without the API key: load balancers and orchestrators probe it, and it tells nothing private. */
@Public()
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOkResponse({ description: 'The database answers; uptime in seconds' })
  check() {
    return this.health.check([
      () => this.database.pingCheck('database'),
      () => this.indicators.check('uptime').up({ seconds: Math.round((Date.now() - startedAt) / 1000) }),
    ]);
  }
}
