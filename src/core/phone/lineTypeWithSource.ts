/** Where a number's line type came from: a carrier lookup (`risk.phoneIntel`) or the numbering plan (libphonenumber). */
export type LineTypeSource = 'carrier_lookup' | 'numbering_plan';

export type LineTypeWithSource = { lineType: string; lineTypeSource: LineTypeSource };

/**
 * The line type a post-incident review sees, with its source: the carrier's answer when a lookup
 * gave one (it tells VoIP from mobile where the plan cannot), else the numbering plan's, else
 * `UNKNOWN` (from the plan: nobody could classify the number). Names as in `LINE_TYPES`.
 */
export function lineTypeWithSource(carrierLineType: string | null | undefined, planLineType: string | null | undefined): LineTypeWithSource {
  if (carrierLineType) return { lineType: carrierLineType, lineTypeSource: 'carrier_lookup' };
  return { lineType: planLineType || 'UNKNOWN', lineTypeSource: 'numbering_plan' };
}
