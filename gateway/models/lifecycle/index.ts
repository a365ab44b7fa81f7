/** Signed, versioned, swappable models: signing, the version store with activation/rollback/shadow, the drop watcher. */
export { ActiveModel, NoActiveModelError, type ActiveScore, type ModelSlot, type ShadowReport } from './active-model.ts';
export { AUDIT_ASSET, emitAudit, tsdbAuditSink, uplinkAuditSink, type AuditAction, type AuditEvent, type AuditSink } from './audit.ts';
export {
  checkInputs, checkSignature, generateSigningKeys, loadPrivateKey, loadPublicKey, ModelRefusedError, parseKey, signBundle, signedBytes, verifyBundle, verifySource,
  type InputExpectation, type KeyPairFiles, type RefusalReason,
} from './signing.ts';
export { LifecycleError, ModelLifecycle, versionId, type LifecycleErrorCode, type ModelLifecycleOptions, type ModelVersion, type ShadowPolicy } from './store.ts';
export { DropWatcher, type DropWatcherOptions } from './watch.ts';
export { openGatewayModels, type GatewayModels, type GatewayModelsOptions } from './gateway-models.ts';
