/**
 * England's postcode areas and the post town each is known by, to spread benchmark services
 * over England (areas in Scotland, Wales, Northern Ireland and the Crown dependencies are left
 * out) and to give names and addresses a real-sounding town.
 */
export const ENGLISH_POSTCODE_AREAS: Readonly<Record<string, string>> = {
  AL: 'St Albans', B: 'Birmingham', BA: 'Bath', BB: 'Blackburn', BD: 'Bradford', BH: 'Bournemouth',
  BL: 'Bolton', BN: 'Brighton', BR: 'Bromley', BS: 'Bristol', CA: 'Carlisle', CB: 'Cambridge',
  CH: 'Chester', CM: 'Chelmsford', CO: 'Colchester', CR: 'Croydon', CT: 'Canterbury', CV: 'Coventry',
  CW: 'Crewe', DA: 'Dartford', DE: 'Derby', DH: 'Durham', DL: 'Darlington', DN: 'Doncaster',
  DT: 'Dorchester', DY: 'Dudley', E: 'London', EC: 'London', EN: 'Enfield', EX: 'Exeter',
  FY: 'Blackpool', GL: 'Gloucester', GU: 'Guildford', HA: 'Harrow', HD: 'Huddersfield', HG: 'Harrogate',
  HP: 'Hemel Hempstead', HR: 'Hereford', HU: 'Hull', HX: 'Halifax', IG: 'Ilford', IP: 'Ipswich',
  KT: 'Kingston upon Thames', L: 'Liverpool', LA: 'Lancaster', LE: 'Leicester', LN: 'Lincoln', LS: 'Leeds',
  LU: 'Luton', M: 'Manchester', ME: 'Rochester', MK: 'Milton Keynes', N: 'London', NE: 'Newcastle upon Tyne',
  NG: 'Nottingham', NN: 'Northampton', NR: 'Norwich', NW: 'London', OL: 'Oldham', OX: 'Oxford',
  PE: 'Peterborough', PL: 'Plymouth', PO: 'Portsmouth', PR: 'Preston', RG: 'Reading', RH: 'Redhill',
  RM: 'Romford', S: 'Sheffield', SE: 'London', SG: 'Stevenage', SK: 'Stockport', SL: 'Slough',
  SM: 'Sutton', SN: 'Swindon', SO: 'Southampton', SP: 'Salisbury', SR: 'Sunderland', SS: 'Southend-on-Sea',
  ST: 'Stoke-on-Trent', SW: 'London', SY: 'Shrewsbury', TA: 'Taunton', TF: 'Telford', TN: 'Tonbridge',
  TQ: 'Torquay', TR: 'Truro', TS: 'Middlesbrough', TW: 'Twickenham', UB: 'Southall', W: 'London',
  WA: 'Warrington', WC: 'London', WD: 'Watford', WF: 'Wakefield', WN: 'Wigan', WR: 'Worcester',
  WS: 'Walsall', WV: 'Wolverhampton', YO: 'York',
}
