import type { IntegrationMap, MapEdge, MapNode } from './integration-map.ts';

export const MAP_FORMATS = ['json', 'mermaid', 'dot'] as const;
export type MapFormat = (typeof MAP_FORMATS)[number];

function nodeLabel(node: MapNode): string {
  const lifecycle = node.lifecycle;
  if (!lifecycle || lifecycle.status === 'current') return node.label;
  return `${node.label} ${lifecycle.status}${lifecycle.sunset ? `, sunset ${lifecycle.sunset}` : ''}`;
}

function edgeLabel(edge: MapEdge): string {
  const parts = [edge.kind === 'pact' ? 'pact' : (edge.adapter ?? edge.contract ?? edge.kind)];
  if (edge.pactStatus !== 'none') parts.push(`pact ${edge.pactStatus}`);
  return parts.join(', ');
}

/** Mermaid ids allow letters, digits and _ only; labels carry the real names. */
const mermaidId = (id: string) => `n_${id.replace(/[^A-Za-z0-9]/g, '_')}`;
const mermaidText = (s: string) => s.replace(/"/g, '#quot;');

const MERMAID_SHAPES: Record<MapNode['kind'], [string, string]> = {
  partner: ['([', '])'],
  gateway: ['{{', '}}'],
  'api-version': ['[', ']'],
  'system-api': ['[(', ')]'],
  event: ['>', ']'],
  consumer: ['[[', ']]'],
  webhooks: ['((', '))'],
};

function mermaid(map: IntegrationMap): string {
  const lines = ['flowchart LR'];
  for (const node of map.nodes) {
    const [open, close] = MERMAID_SHAPES[node.kind];
    lines.push(`  ${mermaidId(node.id)}${open}"${mermaidText(nodeLabel(node))}"${close}`);
  }
  for (const edge of map.edges) {
    const arrow = edge.kind === 'pact' ? '-.->' : '-->';
    lines.push(`  ${mermaidId(edge.from)} ${arrow}|"${mermaidText(edgeLabel(edge))}"| ${mermaidId(edge.to)}`);
  }
  return lines.join('\n');
}

const dotText = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

const DOT_SHAPES: Record<MapNode['kind'], string> = {
  partner: 'ellipse',
  gateway: 'hexagon',
  'api-version': 'box',
  'system-api': 'cylinder',
  event: 'cds',
  consumer: 'component',
  webhooks: 'doublecircle',
};

function dot(map: IntegrationMap): string {
  const lines = ['digraph concord {', '  rankdir=LR;'];
  for (const node of map.nodes) lines.push(`  ${dotText(node.id)} [label=${dotText(nodeLabel(node))}, shape=${DOT_SHAPES[node.kind]}];`);
  for (const edge of map.edges) {
    const style = edge.kind === 'pact' ? ', style=dashed' : '';
    const colour = edge.pactStatus === 'failed' ? ', color=red' : '';
    lines.push(`  ${dotText(edge.from)} -> ${dotText(edge.to)} [label=${dotText(edgeLabel(edge))}${style}${colour}];`);
  }
  lines.push('}');
  return lines.join('\n');
}

export function formatMap(map: IntegrationMap, format: MapFormat): string {
  if (format === 'mermaid') return mermaid(map);
  if (format === 'dot') return dot(map);
  return JSON.stringify(map, null, 2);
}
