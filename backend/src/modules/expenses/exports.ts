/**
 * A payment batch in the formats a company's accounting imports: Xero's bank-statement CSV
 * (one line per payment, amounts negative as money going out) and an ISO 20022 SEPA credit
 * transfer initiation (pain.001.001.03) the company's bank executes.
 */
export interface BatchLine {
  expenseId: string;
  payee: string;
  iban: string | null;
  bic: string | null;
  amountMinor: bigint;
  description: string;
  expenseDate: string;
}

export interface BatchHeader {
  id: string;
  reference: string;
  currency: string;
  createdAt: Date;
  payer: { name: string; iban: string; bic: string | null } | null;
}

export function major(minor: bigint): string {
  const sign = minor < 0n ? "-" : "";
  const abs = minor < 0n ? -minor : minor;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, "0")}`;
}

function csvField(value: string, text = true): string {
  // a text starting with = + - @ would be a formula in a spreadsheet (amounts are numbers and keep their sign)
  const safe = text && /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Xero's precoded bank statement import: *Date (DD/MM/YYYY), *Amount, Payee, Description, Reference. */
export function xeroCsv(batch: BatchHeader, lines: BatchLine[]): string {
  const rows = [["*Date", "*Amount", "Payee", "Description", "Reference"]];
  const d = batch.createdAt;
  const date = `${String(d.getUTCDate()).padStart(2, "0")}/${String(d.getUTCMonth() + 1).padStart(2, "0")}/${d.getUTCFullYear()}`;
  for (const line of lines) rows.push([date, major(-line.amountMinor), line.payee, line.description, `${batch.reference} ${line.expenseId}`]);
  return rows.map((r, i) => r.map((v, col) => csvField(v, i === 0 || col !== 1)).join(",")).join("\r\n") + "\r\n";
}

function xml(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c]!);
}

/** SEPA's character set: Latin letters, digits and a few signs; anything else becomes a space. */
function sepaText(value: string, max: number): string {
  return xml(
    value
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[^A-Za-z0-9/\-?:().,'+ ]/g, " ")
      .slice(0, max),
  );
}

export function sepaCreditTransfer(batch: BatchHeader, lines: BatchLine[]): string {
  const payer = batch.payer!;
  const total = lines.reduce((sum, l) => sum + l.amountMinor, 0n);
  const created = batch.createdAt.toISOString().slice(0, 19);
  const execution = batch.createdAt.toISOString().slice(0, 10);
  const transfers = lines
    .map(
      (l) => `      <CdtTrfTxInf>
        <PmtId><EndToEndId>${l.expenseId.replaceAll("-", "")}</EndToEndId></PmtId>
        <Amt><InstdAmt Ccy="EUR">${major(l.amountMinor)}</InstdAmt></Amt>${l.bic ? `\n        <CdtrAgt><FinInstnId><BIC>${xml(l.bic)}</BIC></FinInstnId></CdtrAgt>` : ""}
        <Cdtr><Nm>${sepaText(l.payee, 70)}</Nm></Cdtr>
        <CdtrAcct><Id><IBAN>${xml(l.iban!)}</IBAN></Id></CdtrAcct>
        <RmtInf><Ustrd>${sepaText(`${batch.reference} ${l.description}`, 140)}</Ustrd></RmtInf>
      </CdtTrfTxInf>`,
    )
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <CstmrCdtTrfInitn>
    <GrpHdr>
      <MsgId>${xml(batch.reference)}</MsgId>
      <CreDtTm>${created}</CreDtTm>
      <NbOfTxs>${lines.length}</NbOfTxs>
      <CtrlSum>${major(total)}</CtrlSum>
      <InitgPty><Nm>${sepaText(payer.name, 70)}</Nm></InitgPty>
    </GrpHdr>
    <PmtInf>
      <PmtInfId>${xml(batch.reference)}</PmtInfId>
      <PmtMtd>TRF</PmtMtd>
      <BtchBookg>true</BtchBookg>
      <NbOfTxs>${lines.length}</NbOfTxs>
      <CtrlSum>${major(total)}</CtrlSum>
      <PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl></PmtTpInf>
      <ReqdExctnDt>${execution}</ReqdExctnDt>
      <Dbtr><Nm>${sepaText(payer.name, 70)}</Nm></Dbtr>
      <DbtrAcct><Id><IBAN>${xml(payer.iban)}</IBAN></Id></DbtrAcct>
      <DbtrAgt><FinInstnId>${payer.bic ? `<BIC>${xml(payer.bic)}</BIC>` : "<Othr><Id>NOTPROVIDED</Id></Othr>"}</FinInstnId></DbtrAgt>
      <ChrgBr>SLEV</ChrgBr>
${transfers}
    </PmtInf>
  </CstmrCdtTrfInitn>
</Document>
`;
}
