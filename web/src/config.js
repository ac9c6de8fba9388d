// Run-time settings from /config.json (written from the stack's outputs; nothing secret in it).
let config = null;

export async function loadConfig() {
  if (config) return config;
  const response = await fetch("config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json could not be loaded (${response.status})`);
  config = await response.json();
  return config;
}

export function getConfig() {
  return config;
}
