/**
 * The AWS SDK v3 prints a NodeVersionSupportWarning on every run under Node < 22
 * ("versions published after January 2027 will require node >=22"). It is
 * about future SDK releases, not this toolkit (Node 20 is supported: the SDK
 * versions are pinned in package.json), and it lands in the middle of every
 * command's output. The SDK's documented switch turns it off; a value the
 * user set explicitly is kept. Call before creating a client.
 */
export const SDK_NODE_WARNING_SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

export function quietSdkNodeWarning(env: NodeJS.ProcessEnv = process.env): void {
  env[SDK_NODE_WARNING_SWITCH] ??= 'true';
}
