import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdapterRegistry } from '@app/adapters';
import { AdapterViewDto } from './adapter-view.dto';

@ApiTags('adapters')
@Controller('v1/adapters')
export class AdaptersController {
  constructor(private readonly registry: AdapterRegistry) {}

  @Get()
  @ApiOperation({ summary: 'List the configured model adapters and whether each is reachable now' })
  @ApiOkResponse({ type: AdapterViewDto, isArray: true })
  list(): Promise<AdapterViewDto[]> {
    return this.registry.describe();
  }
}
