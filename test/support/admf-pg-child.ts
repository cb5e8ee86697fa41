/**
 * One ADMF instance on a PostgreSQL store, as its own process, for the failover tests: the configuration comes
 * as JSON in LIX_TEST_ADMF_CONFIG and the store URL in LIX_TEST_PG_URL. It prints `READY <api url>` once the
 * REST API listens, and stops on SIGTERM (SIGKILL and SIGSTOP are the point of the tests).
 * Started with `node --import tsx test/support/admf-pg-child.ts`.
 */
import { startAdmfService } from '../../src/api/service.js';
import { parseAdmfConfig } from '../../src/admf/config.js';
import { createLogger } from '../../src/lib/logger.js';
import { openPgAdmfStore } from '../../src/store/pg/admf-pg-store.js';

const config = parseAdmfConfig(JSON.parse(process.env.LIX_TEST_ADMF_CONFIG ?? '{}'));
const logger = createLogger({
  name: `admf:${config.instanceId ?? config.id}`,
  level: 'warn',
  format: 'json',
});
const store = await openPgAdmfStore(process.env.LIX_TEST_PG_URL ?? '');
const svc = await startAdmfService(config, { logger, store });
process.stdout.write(`READY ${svc.apiUrl}\n`);
process.once('SIGTERM', () => {
  void svc.close().then(() => process.exit(0));
});
