import { SqliteOutbox } from '../../gateway/uplink/outbox.ts';
import { outboxContract } from './outbox-contract.ts';

outboxContract('SqliteOutbox', (path, maxMessages) => new SqliteOutbox({ path, maxMessages, site: 'site-a', gateway: 'gw-1' }));
