// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Test contract without ERC-721 receiver hook nor payable receive: safe mints to it must fail.
contract RejectingReceiver {}
