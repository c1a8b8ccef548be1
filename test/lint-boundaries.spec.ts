import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The dependency direction of ARCHITECTURE.md (apps/api → deliberation → {adapters, tiering,
 * checkpoint} → tokens → config) is held by eslint.config.mjs; these synthetic files prove that an
 * import against it fails lint and that the imports the code does use pass.
 */
interface LintMessage {
  ruleId: string | null;
  severity: number;
  message: string;
  line: number;
}

const RULE = '@typescript-eslint/no-restricted-imports';

const forbidden: Array<[string, string, string, RegExp]> = [
  ['an upward import', 'libs/tokens/src/x.ts', "import { DeliberationEngine } from '@app/deliberation';", /libs\/tokens may import only @app\/config/],
  [
    'a type-only upward import',
    'libs/tokens/src/ledger/x.ts',
    "import type { EngineState } from '@app/deliberation';",
    /libs\/tokens may import only @app\/config/,
  ],
  ['an upward re-export', 'libs/tokens/src/x.ts', "export { DeliberationEngine } from '@app/deliberation';", /libs\/tokens may import only/],
  ['any lib from config', 'libs/config/src/x.ts', "import { TokenLedger } from '@app/tokens';", /libs\/config may import only no lib/],
  ['a sibling from tokens', 'libs/tokens/src/x.ts', "import { AdapterRegistry } from '@app/adapters';", /may import only @app\/config/],
  [
    'a sibling lib (adapters → tiering)',
    'libs/adapters/src/x.ts',
    "import { selectTier } from '@app/tiering';",
    /libs\/adapters may import only @app\/tokens, @app\/config/,
  ],
  [
    'a sibling lib (tiering → checkpoint)',
    'libs/tiering/src/rules/x.ts',
    "import { CheckpointStore } from '@app/checkpoint';",
    /libs\/tiering may import only/,
  ],
  ['deliberation from checkpoint', 'libs/checkpoint/src/x.ts', "import { DeliberationEngine } from '@app/deliberation';", /libs\/checkpoint may import only/],
  ['schedules from deliberation', 'libs/deliberation/src/x.ts', "import { ScheduleService } from '@app/schedules';", /libs\/deliberation may import only/],
  ["the lib's own index", 'libs/tokens/src/ledger/x.ts', "import { TokenLedger } from '@app/tokens';", /import its own files by relative path/],
  ['apps/ from a lib', 'libs/deliberation/src/engine/x.ts', "import { AppModule } from '../../../../apps/api/src/app.module';", /A lib never imports apps\//],
  [
    "a relative path into another lib's folder",
    'libs/tiering/src/rules/x.ts',
    "import { makeUsage } from '../../../tokens/src/token-usage';",
    /not by a relative path into its folder/,
  ],
  [
    "a relative path into a lib's folder from apps/",
    'apps/api/src/usage/x.ts',
    "import { TokenLedger } from '../../../../libs/tokens/src/ledger/token-ledger.service';",
    /not by a relative path into its folder/,
  ],
  ['a deep alias path from apps/', 'apps/api/src/x.ts', "import { DeliberationEngine } from '@app/deliberation/engine/engine';", /through its index/],
  ['a deep alias path from a test', 'test/x.e2e-spec.ts', "import { TokenLedger } from '@app/tokens/ledger/token-ledger.service';", /through its index/],
];

const allowed: Array<[string, string, string]> = [
  ['tokens on config', 'libs/tokens/src/x.ts', "import { loadConfig } from '@app/config';"],
  [
    'deliberation on every lib below it',
    'libs/deliberation/src/runtime/x.ts',
    ['adapters', 'tiering', 'checkpoint', 'tokens', 'config'].map((lib, i) => `import * as l${i} from '@app/${lib}';`).join('\n'),
  ],
  [
    'schedules on deliberation and the libs below it',
    'libs/schedules/src/runtime/x.ts',
    ['deliberation', 'tiering', 'config'].map((lib, i) => `import * as l${i} from '@app/${lib}';`).join('\n'),
  ],
  [
    'adapters, tiering and checkpoint on tokens and config',
    'libs/checkpoint/src/x.ts',
    "import { TokenLedger } from '@app/tokens';\nimport { loadConfig } from '@app/config';",
  ],
  ["a lib's own files by relative path", 'libs/tiering/src/rules/x.ts', "import { BudgetLedger } from '../budget/budget-ledger.service';"],
  ['a lib spec on the test fixtures', 'libs/adapters/src/http/x.spec.ts', "import { startProviderServer } from '../../../../test/fixtures/provider-server';"],
  [
    'the app on any lib, and its own folder named like one',
    'apps/api/src/usage/x.ts',
    "import { DeliberationService } from '@app/deliberation';\nimport { AdaptersController } from '../adapters/adapters.controller';",
  ],
  ['a test on the app', 'test/x.e2e-spec.ts', "import { createApp } from '../apps/api/src/app.factory';"],
];

function lint(files: Array<{ filePath: string; code: string }>): LintMessage[][] {
  const out = execFileSync(process.execPath, [join(__dirname, 'support', 'lint-imports.mjs')], { input: JSON.stringify(files), encoding: 'utf8' });
  return JSON.parse(out) as LintMessage[][];
}

describe('lint boundaries (eslint.config.mjs)', () => {
  let forbiddenResults: LintMessage[][];
  let allowedResults: LintMessage[][];

  beforeAll(() => {
    const results = lint([...forbidden, ...allowed].map(([, filePath, code]) => ({ filePath, code: `${code}\n` })));
    forbiddenResults = results.slice(0, forbidden.length);
    allowedResults = results.slice(forbidden.length);
  });

  it.each(forbidden.map((c, i) => [...c, i] as const))('should fail lint on %s', (_name, _file, _code, message, i) => {
    expect(forbiddenResults[i]).toEqual([{ ruleId: RULE, severity: 2, message: expect.stringMatching(message), line: 1 }]);
  });

  it.each(allowed.map((c, i) => [...c, i] as const))('should pass %s', (_name, _file, _code, i) => {
    expect(allowedResults[i]).toEqual([]);
  });
});
