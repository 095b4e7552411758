import { z } from 'zod'
import { fleetTool } from './tool.js'

export const gpuSpecDocumentTool = fleetTool({
  name: 'gpu_spec_document',
  title: 'GPU spec document',
  description: 'The fleet\'s GPU spec document in markdown (French or English): every machine with its GPUs, VRAM, driver and local-hosting verdict, the capacity table of catalog models, recommendations, and how many machines are documented.',
  input: z.object({ lang: z.enum(['fr', 'en']).default('fr').describe('fr (default) or en') }),
  output: z.object({ lang: z.enum(['fr', 'en']), markdown: z.string() }),
  run: async (source, args) => {
    const markdown = await source.report(args.lang)
    return { structured: { lang: args.lang, markdown }, text: markdown }
  }
})
