/** The agent behind an MCP server could not be reached, refused the token, or answered an error. */
export class FleetSourceError extends Error {
  static readonly NAME = 'FleetSourceError'
  override name = FleetSourceError.NAME
}
