-- Rules of the civil-status procedures (Law on Civil Status 2014).

-- The fees are data: the schedules civil-status-late-registration and civil-status-extract-copy
-- (procedures/common/fee-schedules.proc) hold the amounts, their dates and legal basis;
-- fees.amount reads the amount in force on the day the dossier was submitted.

-- True when the dossier was submitted after the end of the registration period that starts on
-- the date held in field `field`. A dossier without that date is taken as on time.
local function after_period(d, field, period)
  local day = d.fields[field]
  if day == nil then
    return false
  end
  return d.submitted > calendar.add(day, period)
end

-- A birth is registered within 60 days (Law on Civil Status 2014, art. 15); registration on
-- time is free (arts. 11, 15, 16).
function birth_late(d)
  return after_period(d, "birth-date", "60d")
end

function birth_fee(d)
  if birth_late(d) then
    return fees.amount("civil-status-late-registration")
  end
  return 0
end

-- A death is registered within 15 days (Law on Civil Status 2014, art. 33). Assumption: as for
-- births, registration on time is free (art. 11 is cited in DOMAIN.md only for births).
function death_late(d)
  return after_period(d, "death-date", "15d")
end

function death_fee(d)
  if death_late(d) then
    return fees.amount("civil-status-late-registration")
  end
  return 0
end

-- Copies of civil-status extracts: the schedule's amount per copy, one copy when the field is
-- empty.
function copy_fee(d)
  local copies = d.fields["copies"] or 1
  return copies * fees.amount("civil-status-extract-copy")
end
