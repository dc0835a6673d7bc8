-- Rules of civil-status procedures.

function parents_married(d)
  return d.fields["parents-married"] == true
end

-- Registration is free within 60 days of birth (Law on Civil Status 2014, art. 15).
function birth_fee(d)
  if d.fields["late-registration"] then return 5000 end
  return 0
end
