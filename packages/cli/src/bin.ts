#!/usr/bin/env node
import './polyfills.js'
import { runCli } from './program.js'

process.exitCode = await runCli(process.argv.slice(2))
