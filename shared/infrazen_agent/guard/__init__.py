"""Guards between the outside and the service: what is refused before anything is stored or sent
to a model (control characters, floods, oversized bodies), and names made safe to show."""
