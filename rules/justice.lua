-- Rules of the justice procedures (Law on Judicial Records 2009).

-- The certificate's fee is data now: the fee schedule judicial-record-certificate
-- (procedures/common/fee-schedules.proc) holds the amount, its date and legal basis, and the
-- reduced category (the field reduced-fee).
