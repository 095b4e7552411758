// libp2p 3 needs Promise.withResolvers (Node 22); tests that run a libp2p node in-process load the same polyfill as the CLI.
import '../packages/cli/src/polyfills.js'
