export type { Incident, IncidentOptions, IncidentStep } from './incident.js';
export { correlateIncidents, INCIDENT_SCHEMA_VERSION, incidentFinding } from './incident.js';
