import type { z } from 'zod'
import type { FleetSource } from '../source.js'

/** What a tool returns: the structured result (checked against `output`) and a short summary for people. */
export interface ToolAnswer<O> { structured: O, text: string }

/** One read-only MCP tool: its JSON-schema'd input and output, and how it answers from a fleet source. */
export interface FleetTool<I extends z.ZodObject, O extends z.ZodObject> {
  name: string
  title: string
  description: string
  input: I
  output: O
  run: (source: FleetSource, args: z.infer<I>) => Promise<ToolAnswer<z.infer<O>>>
}

/** Keeps each tool's input and output types tied together where the tool is written. */
export function fleetTool<I extends z.ZodObject, O extends z.ZodObject> (tool: FleetTool<I, O>): FleetTool<I, O> {
  return tool
}
