import { serviceUrl } from "../support/services.js";
import { defineConformance } from "./conformance.js";

const url = serviceUrl("POSTGRES");
defineConformance("postgres", url, { server: true, password: url ? decodeURIComponent(new URL(url).password) : undefined });
