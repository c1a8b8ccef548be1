import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BudgetLedger } from '@app/tiering';
import { ApiErrorBody } from '../http/api-error';
import { UpdateBudgetWindowDto, WindowHistoryDto, WindowParamDto, WindowStatusDto } from './budget.dto';

@ApiTags('budgets')
@Controller('v1/budgets')
export class BudgetsController {
  constructor(private readonly ledger: BudgetLedger) {}

  @Get('status')
  @ApiOperation({ summary: 'Each budget window: limits, used, reserved, remaining, zone, burn rate, forecast, next reset' })
  @ApiOkResponse({ type: WindowStatusDto, isArray: true })
  status(): WindowStatusDto[] {
    return this.ledger.status();
  }

  @Put(':window')
  @ApiOperation({ summary: "Change a window's limits; they win over the config and survive restarts" })
  @ApiOkResponse({ type: WindowStatusDto })
  @ApiBadRequestResponse({ type: ApiErrorBody, description: 'Unknown window, or a limit that is not positive, or softCap outside 0..1' })
  update(@Param() params: WindowParamDto, @Body() body: UpdateBudgetWindowDto): Promise<WindowStatusDto> {
    return this.ledger.updateWindow(params.window, body);
  }

  @Get('history')
  @ApiOperation({ summary: 'Past windows, newest first: used against the limit, mid-window forecast against the actual' })
  @ApiOkResponse({ type: WindowHistoryDto, isArray: true })
  history(): Promise<WindowHistoryDto[]> {
    return this.ledger.history();
  }
}
