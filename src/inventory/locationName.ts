/**
 * Location names from cluster names. Cluster names in Argo CD and kubeconfigs are free-form
 * (`arn:aws:eks:eu-north-1:123456789012:cluster/kiruna`, `gke_proj_europe-north1_kiruna`, `Kiruna GS`);
 * a location name becomes a Git branch and a folder, so it must be a DNS-1123 label.
 */

const MAX = 63;

/**
 * The DNS-1123 label for `name`: lower case, accents dropped, every run of other characters one `-`,
 * no leading or trailing `-`, at most 63 characters. Undefined when nothing usable is left.
 */
export function toLocationName(name: string): string | undefined {
  const folded = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const cut = folded.slice(0, MAX).replace(/-+$/, '');
  return cut === '' ? undefined : cut;
}
