import type { Command } from 'commander'
import { renderHostReport } from '../format/host-report.js'
import type { CliIo } from '../io.js'

export function registerProbe (program: Command, io: CliIo): void {
  program.command('probe')
    .description("print this machine's host report: GPUs (from nvidia-smi itself), VRAM and where it came from, CPU, memory, OS, displays, Ollama models")
    .option('--json', 'print the gpufleet.host-report/v1 JSON document')
    .option('--nvidia-smi <path>', 'nvidia-smi binary to run (default: GPUFLEET_NVIDIA_SMI, PATH, then the usual Windows locations)')
    .option('--role <role>', 'role to report: coordinator or worker', 'worker')
    .option('--hostname <name>', 'host name to report (default: the OS host name)')
    .option('--ollama <url>', 'Ollama address', 'http://127.0.0.1:11434')
    .option('--raw-nvidia-smi <file>', "also write nvidia-smi's raw CSV output to this file (to share as a test fixture)")
    .action(async (opts: { json?: boolean, nvidiaSmi?: string, role: string, hostname?: string, ollama: string, rawNvidiaSmi?: string }) => {
      if (opts.role !== 'coordinator' && opts.role !== 'worker') throw io.usageError(`--role: expected coordinator or worker, got "${opts.role}"`)
      const { probeHostDetailed } = await import('@gpufleet/probe')
      const result = await probeHostDetailed({ nvidiaSmiPath: opts.nvidiaSmi, role: opts.role, hostname: opts.hostname, ollamaHost: opts.ollama })
      if (opts.rawNvidiaSmi !== undefined) await io.writeFile(opts.rawNvidiaSmi, result.nvidiaSmiRaw ?? '')
      io.out(opts.json === true ? JSON.stringify(result.report, null, 2) : renderHostReport(result.report))
    })
}
