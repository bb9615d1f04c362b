import { validateSettings } from "../runtime/config/settings.js";
import { ui } from "./ui.js";

/**
 * Startup check of serve, worker and migrate: a set TINA4_* variable of the wrong form stops the
 * command (ConfigError naming each one and the form it expects, exit 1); an unknown TINA4_* name
 * is a warning with the nearest known one. Call it after openProject() loaded the .env files.
 */
export function validateEnvironment(): void {
  for (const warning of validateSettings().warnings) ui.warn(warning);
}
